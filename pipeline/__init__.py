"""hubwatch: monitor the press about Germany's Digital Hub Initiative and record what it announces."""

__version__ = "0.1.0"
