"""Seed 001's "Automated Alerting System" YAML blocks, copied verbatim (whitespace included)."""

CRITICAL_REVENUE = """\
# Critical revenue alerts
alerts:
  - name: "Churn Rate Spike"
    condition: "monthly_churn_rate > 4%"
    threshold: "2 consecutive days"
    recipients: ["ceo@datainsight.pro", "head-of-cs@datainsight.pro"]
    severity: "critical"
    actions:
      - "Create emergency customer retention task force"
      - "Analyze churned customers for patterns"
      - "Implement immediate retention campaigns"

  - name: "Trial Conversion Drop"
    condition: "trial_to_paid_rate < 15%"
    threshold: "7 day rolling average"
    recipients: ["cpo@datainsight.pro", "head-of-sales@datainsight.pro"]
    severity: "critical"
    actions:
      - "Review recent product changes"
      - "Analyze trial user behavior"
      - "Emergency sales team training"

  - name: "MRR Growth Stall"
    condition: "mrr_growth_rate < 8%"
    threshold: "2 consecutive months"
    recipients: ["ceo@datainsight.pro", "cfo@datainsight.pro"]
    severity: "critical"
    actions:
      - "Board meeting emergency session"
      - "Growth strategy review"
      - "Market analysis deep dive"
"""

PRODUCT_PERFORMANCE = """\
# Product performance alerts
alerts:
  - name: "System Downtime"
    condition: "uptime < 99%"
    threshold: "Any 1-hour period"
    recipients: ["cto@datainsight.pro", "engineering-team@datainsight.pro"]
    severity: "critical"
    actions:
      - "Activate incident response team"
      - "Customer communication plan"
      - "Post-mortem analysis required"

  - name: "Performance Degradation"
    condition: "avg_page_load_time > 5 seconds"
    threshold: "30 minute average"
    recipients: ["head-of-engineering@datainsight.pro"]
    severity: "high"
    actions:
      - "Performance optimization sprint"
      - "Infrastructure scaling review"
      - "User experience impact assessment"
"""

CUSTOMER_SUCCESS_WARNINGS = """\
# Customer success warnings
alerts:
  - name: "NPS Score Decline"
    condition: "nps_score < 45"
    threshold: "Monthly survey results"
    recipients: ["head-of-cs@datainsight.pro"]
    severity: "warning"
    actions:
      - "Customer feedback analysis"
      - "Product improvement prioritization"
      - "Customer success team review"

  - name: "Support Volume Increase"
    condition: "support_tickets_per_100_customers > 35"
    threshold: "Weekly average"
    recipients: ["head-of-support@datainsight.pro"]
    severity: "warning"
    actions:
      - "Support capacity planning"
      - "Common issue analysis"
      - "Self-service improvement"
"""

GROWTH_TRACKING = """\
# Growth tracking alerts
alerts:
  - name: "Feature Adoption Milestone"
    condition: "feature_adoption_rate > target"
    threshold: "Monthly measurement"
    recipients: ["product-team@datainsight.pro"]
    severity: "info"
    actions:
      - "Celebrate success with team"
      - "Analyze success factors"
      - "Apply learnings to other features"

  - name: "Customer Milestone"
    condition: "total_customers reaches milestone"
    threshold: "Every 50 customers"
    recipients: ["all-hands@datainsight.pro"]
    severity: "info"
    actions:
      - "Company-wide celebration"
      - "Customer success story sharing"
      - "Growth milestone communication"
"""

SEED_001_BLOCKS = (CRITICAL_REVENUE, PRODUCT_PERFORMANCE, CUSTOMER_SUCCESS_WARNINGS, GROWTH_TRACKING)
