"""What the service does, without HTTP: scores, warnings, firm detail and models (`scores`),
review decisions (`review`), inspection plans and outcomes (`plans`, over `planning`, which
gathers the scheduling library's inputs). Plain functions over the store, the sources and the
champions, shared by the API and the pages. May import `serving.store`, `serving.scheduling`,
`training` and `features`; never `serving.api`, `serving.ui` or `serving.cli`.
"""
