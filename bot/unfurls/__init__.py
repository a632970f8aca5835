"""Salesforce record links pasted in Slack, unfurled at the sharing level an admin chose."""
