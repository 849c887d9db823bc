"""Background tasks of filtering (``warden ingest`` runs monitoring's ingestion itself)."""
