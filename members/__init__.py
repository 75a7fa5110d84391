"""Members register: units, members, staff scope, accounts and notifications."""
