"""Customers: RFM segments with recommended actions, and churn risk from the company's own history."""
