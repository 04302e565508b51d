from backcare.cli import main

raise SystemExit(main())
