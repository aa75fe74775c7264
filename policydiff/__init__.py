"""policydiff: payer medical policies → normalized criteria, versioned in git, compared and diffed."""
__version__ = "0.1.0"
