"""newsweave as a service: a REST API (FastAPI) and a web UI over one store.

:mod:`newsweave.service.read` is the read model both use; :func:`newsweave.service.app.create_app`
builds the application and :func:`newsweave.service.app.run` serves it with uvicorn.
"""
