// The vendored libraries' globals (static/vendor: Leaflet 1.9, Leaflet.markercluster 1.5,
// uPlot 1.6), as far as the dashboard uses them, and the page's test hook.

type GeoJSON = { type: string; features: Feature[] };
type Feature = { type: string; geometry: any; properties: Record<string, any> };

declare namespace L {
  type LatLngLike = LatLng | [number, number];
  type Options = Record<string, any>;
  interface LatLng { lat: number; lng: number }
  interface Point { x: number; y: number }
  interface Bounds { toBBoxString(): string }
  interface Evented {
    on(type: string, fn: (e: any) => void): this;
  }
  interface Layer extends Evented {
    options: Options;
    addTo(target: Map | LayerGroup): this;
    bindPopup(content: HTMLElement | string | (() => HTMLElement)): this;
    setStyle(style: Options): this;
  }
  interface LayerGroup extends Layer {
    addLayer(layer: Layer): this;
    removeLayer(layer: Layer): this;
    clearLayers(): this;
    eachLayer(fn: (layer: Layer) => void): this;
    getLayers(): Layer[];
    getBounds(): Bounds;
  }
  /** A layer drawn from a GeoJSON feature. */
  interface FeatureLayer extends Layer { feature: { properties: Record<string, any> } }
  interface GeoJSON extends LayerGroup {
    eachLayer(fn: (layer: FeatureLayer) => void): this;
    getLayers(): FeatureLayer[];
  }
  interface Marker extends Layer { getLatLng(): LatLng }
  /** The options of L.geoJSON, its callbacks typed. */
  interface GeoJSONOptions extends Options {
    style?: (feature: Feature) => Options;
    onEachFeature?: (feature: Feature, layer: FeatureLayer) => void;
  }
  interface MarkerCluster { getChildCount(): number; getAllChildMarkers(): Marker[] }
  interface MarkerClusterGroup extends LayerGroup { addLayers(layers: Layer[]): this }
  interface Popup extends Layer {
    setLatLng(latlng: LatLngLike): this;
    setContent(content: HTMLElement | string): this;
    openOn(map: Map): this;
  }
  interface Control { addTo(map: Map): this }
  namespace Control {
    interface Layers extends Control { addOverlay(layer: Layer, name: string): this }
    interface Attribution extends Control {
      setPrefix(prefix: string | false): this;
      addAttribution(text: string): this;
    }
  }
  interface Map extends Evented {
    attributionControl: Control.Attribution;
    createPane(name: string): HTMLElement;
    getPane(name: string): HTMLElement;
    fitBounds(bounds: Bounds | LatLngLike[], options?: Options): this;
    addLayer(layer: Layer): this;
    removeLayer(layer: Layer): this;
    hasLayer(layer: Layer): boolean;
    getZoom(): number;
    getBounds(): Bounds;
    invalidateSize(): this;
    setView(center: LatLngLike, zoom: number, options?: Options): this;
  }
  function map(id: string, options?: Options): Map;
  function marker(latlng: LatLngLike, options?: Options): Marker;
  function divIcon(options: Options): unknown;
  function point(x: number, y: number): Point;
  function popup(options?: Options): Popup;
  function polyline(points: LatLngLike[], options?: Options): Layer;
  function layerGroup(layers?: Layer[]): LayerGroup;
  function featureGroup(layers?: Layer[]): LayerGroup;
  function geoJSON(data: unknown, options?: GeoJSONOptions): GeoJSON;
  function tileLayer(url: string, options?: Options): Layer;
  function markerClusterGroup(options?: Options): MarkerClusterGroup;
  namespace control {
    function scale(options?: Options): Control;
    function layers(bases: Record<string, Layer>, overlays: Record<string, Layer>, options?: Options): Control.Layers;
  }
}

declare class uPlot {
  constructor(options: Record<string, any>, data: (number | null)[][], target: HTMLElement);
  data: (number | null)[][];
  ctx: CanvasRenderingContext2D;
  bbox: { top: number; left: number; width: number; height: number };
  width: number;
  height: number;
  valToPos(value: number, scale: string, canvasPixels?: boolean): number;
  setSize(size: { width: number; height: number }): void;
  redraw(rebuildPaths?: boolean): void;
  destroy(): void;
}

interface Window {
  /** The dashboard's state (state.js `app`), for the end-to-end tests. */
  SW: unknown;
}
