"""WM2U Evidence: the application (framework, web UI and API, CLI, learning updates)."""
