from estimator_lint.cli import console_main

console_main()
