"""Analysis of one module: imports, scopes, Estimator classes, model_fns, graph values.

The submodules are imported where they are used (``analysis.imports`` alone by the project
index's text pass, ``analysis.model`` by the engine when a file is analysed).
"""
