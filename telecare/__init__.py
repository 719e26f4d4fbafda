"""Application wiring: settings, the command line, and running the platform's services."""
