"""outreach: scheduled InMail-style outreach on one SQLite file."""

__version__ = "0.1.0"
