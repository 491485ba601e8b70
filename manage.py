#!/usr/bin/env python
from referral_engine.cli import main

if __name__ == "__main__":
    main()
