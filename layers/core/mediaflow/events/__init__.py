"""Domain events: what happened to a resource, published once to SNS for every consumer."""
