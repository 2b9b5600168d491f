"""What is driving a change: segment, component and ratio attribution (attribution), and which of these
a KPI's formula allows (shapes)."""
