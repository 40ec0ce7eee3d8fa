"""What several test modules share: scratch copies of the workflow, the suite's miniature, fake metrics files,
figure checks, the command line in or out of process, the tiny model kept between sessions. Test modules import
from here, never from one another (tests/ is on sys.path via its conftest)."""
