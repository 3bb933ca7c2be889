"""One module per element of the picture, all following base.Element; REGISTRY names them as
scene.elements.ELEMENTS does, in the order they are drawn."""

from cube_viz.render.elements.captions import Captions
from cube_viz.render.elements.chart import Chart
from cube_viz.render.elements.context import Context
from cube_viz.render.elements.gel import Gel
from cube_viz.render.elements.glass import Glass
from cube_viz.render.elements.highlight import Highlight
from cube_viz.render.elements.hud import Hud
from cube_viz.render.elements.legend import Legend
from cube_viz.render.elements.plates import Biases, PlateMesh
from cube_viz.render.elements.rays import Rays
from cube_viz.render.elements.selection import Selection
from cube_viz.render.elements.slab_labels import SlabLabels
from cube_viz.render.elements.wall import Wall
from cube_viz.render.elements.wave import Wave

REGISTRY = {"reflectors": PlateMesh, "biases": Biases, "rays": Rays, "gel": Gel, "glass": Glass, "waves": Wave,
            "highlight": Highlight, "selection": Selection, "wall": Wall, "slab-labels": SlabLabels, "context": Context,
            "hud": Hud, "legend": Legend, "chart": Chart, "captions": Captions}
