import sys

from estimator_lint.cli import main

sys.exit(main())
