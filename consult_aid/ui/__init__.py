"""The Qt window: the only package that imports PySide6. It shows the core's state and forwards
the clinician's input to it."""
