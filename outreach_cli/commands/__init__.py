"""One module per verb or group; each registers its Typer commands on the app."""
