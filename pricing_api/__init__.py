"""The pricing service: HTTP routes, storage, settings."""
