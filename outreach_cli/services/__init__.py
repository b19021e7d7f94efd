"""The rules of docs/rules.md. Services take a Database, keyword-only arguments and (when they need the time) a keyword
`clock`; they reach rows through the repository (the package repo/), return data and never print."""
