"""The application: the `newsrag` command, assembled from the commands of each layer.

The packages form layers, and imports only go down them:

    newsrag   the command line (this package): assembles the commands below
    ui, eval  the chat and the evaluation; neither imports the other
    rag       the library: corpus, chunking, store, retrieval, answering, models

`tests/test_layers.py` fails when a module imports from a layer above its own.
"""
