from hub.cli.main import run

run()
