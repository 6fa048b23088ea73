"""The sidecar image the scenarios boot.

//sidecar:image is being written on another branch; until it lands on main
the scenarios that need a real sidecar are tagged manual and this names the
stand-in, which can only fail a boot. When the image lands: point
SIDECAR_IMAGE at it and set IMAGE_IS_STAND_IN to False.
"""

SIDECAR_IMAGE = "//sidecar:image"
IMAGE_IS_STAND_IN = False
