"""The fictional demo pole and, later, synthetic data at scale."""
