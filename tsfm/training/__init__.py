"""Training: one Accelerate loop (supervised, fine-tuning, pretraining)."""

from .schedules import SCHEDULES, learning_rate
from .trainer import TrainResult, Trainer, TrainingConfig

__all__ = ["SCHEDULES", "TrainResult", "Trainer", "TrainingConfig", "learning_rate"]
