"""PDF documents (reportlab), one module per document; `base` holds what they share."""
