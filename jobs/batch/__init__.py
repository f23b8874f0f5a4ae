"""The day-before-ach run: options, the pipeline, the limiter."""
