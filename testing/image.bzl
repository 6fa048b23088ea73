"""The sidecar image the scenarios boot: the production //sidecar:image.

IMAGE_IS_STAND_IN marks the image tests manual; it was True while the image
was being written and the label named //testing/mock_image (a stand-in that
can only fail a boot, still used by its own shim tests).
"""

SIDECAR_IMAGE = "//sidecar:image"
IMAGE_IS_STAND_IN = False
