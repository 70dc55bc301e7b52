declare module '*?arraybuffer' {
  const data: ArrayBuffer;
  export default data;
}
