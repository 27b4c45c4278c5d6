"""HyperStudy (hyperstudy.io): an experiment's rooms, participants, data tables and recordings."""
