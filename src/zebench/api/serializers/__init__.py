"""The API's answers: the original contract's camelCase shapes over the service's typed results."""
