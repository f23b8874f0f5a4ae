"""What finance asks: the preview, sign-off and diff."""
