"""WSGI entry point: `gunicorn wsgi:app` in production, `flask --app wsgi run` in development."""

import logging.config
import os

logging.config.dictConfig(
    {
        "version": 1,
        "formatters": {"default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "default"}},
        "loggers": {"alembic": {"level": "WARNING"}},
        "root": {"level": os.environ.get("LOG_LEVEL", "INFO"), "handlers": ["stderr"]},
    }
)

from placements import create_app  # noqa: E402  (logging first, so import-time messages are formatted)

app = create_app()
