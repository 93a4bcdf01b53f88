"""The Gradio chat over the news index: `ui.app.build_app(settings)` and `ui.app.serve(settings)`.

Nothing heavy is imported here; Gradio is imported when the app is built.
"""
