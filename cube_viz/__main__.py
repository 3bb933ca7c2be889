from cube_viz.cli import main_exit

main_exit()
