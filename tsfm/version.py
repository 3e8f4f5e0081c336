__version__ = "0.1.0"

# Version of the on-disk checkpoint layout (config.json + model.safetensors).
# Loading a checkpoint whose format_version is newer than this is refused.
CHECKPOINT_FORMAT_VERSION = 1
