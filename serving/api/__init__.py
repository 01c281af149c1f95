"""The HTTP shell: the BentoML service (`service`), what the API promises (`schemas`), access
control (`auth`), the request audit (`audit_queue`) and deployment without MLflow
(`bento_store`). It holds no business logic: every answer comes from `serving.workspace`. May
import `serving.workspace`, `serving.ui`, `serving.store`, `training` and `features`.
"""
