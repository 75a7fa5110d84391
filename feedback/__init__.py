"""Member voice: needs surveys, initiatives and the assistant."""
