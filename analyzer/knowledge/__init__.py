"""Azure and Kubernetes facts: ARM IDs, roles and their actions, the AKS release calendar, Kubernetes
vocabulary, and the packaged data behind them. Imports only the model, never a front end or a policy."""
