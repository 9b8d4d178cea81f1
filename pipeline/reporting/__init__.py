"""What the plots, analyze and report stages draw and write: matplotlib figures and the report's Markdown."""
