"""Labstep (labstep.com): a workspace's experiments, protocols, authors, data fields and files."""
