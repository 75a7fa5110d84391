"""Test suite of Union Portal, one folder per app plus e2e/ for the browser."""
