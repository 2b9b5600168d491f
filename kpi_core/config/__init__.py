"""Configuration: YAML files in one directory, validated with pydantic v2, errors with file:line key."""
