"""One module per screen: the five operator views and the two confirm modals."""
