"""Pure Block Kit builders: dataclasses in, `Message(text, blocks)` out. One module per message type."""
