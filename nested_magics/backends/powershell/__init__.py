"""Real hosts through Windows PowerShell: the scripts, the payload they travel in, the backend over a Runner."""
