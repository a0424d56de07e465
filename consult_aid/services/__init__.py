"""Use cases the window and the command line share; each is one transaction and audited."""
