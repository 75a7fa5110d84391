"""Learning: short video lessons, quizzes, points, badges and the member feed."""
