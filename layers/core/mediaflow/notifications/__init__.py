"""Event notifications: project configuration, signed callback bodies per family, delivery."""
