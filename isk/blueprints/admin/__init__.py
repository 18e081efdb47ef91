"""Administration: users, the region's texts and the audit trail."""
